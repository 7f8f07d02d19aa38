/**
 * A Map that creates its value on first lookup. Nesting one per label (route → pool → …) lets the hot
 * path find a series with a few Map lookups instead of building a key string per event.
 */
export class CellMap<K, V> {
  readonly #cells = new Map<K, V>();
  readonly #create: (key: K) => V;

  constructor(create: (key: K) => V) {
    this.#create = create;
  }

  get(key: K): V {
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      cell = this.#create(key);
      this.#cells.set(key, cell);
    }
    return cell;
  }
}
