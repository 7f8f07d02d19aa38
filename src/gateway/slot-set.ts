/**
 * A set of live objects with O(1) add and remove, for churn of thousands per second. A JS `Set` is not
 * used here: under constant add/delete V8 rebuilds its hash table and the old tables keep their entries
 * reachable for a while, so every request's object graph survived young-generation GCs and was promoted
 * (measured: 13× the promoted bytes, −20 % throughput). Slots are plain array cells, cleared on removal.
 */
export class SlotSet<T> {
  readonly #slots: (T | undefined)[] = [];
  readonly #free: number[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Returns the slot to pass to `remove`. */
  add(item: T): number {
    const slot = this.#free.pop() ?? this.#slots.length;
    this.#slots[slot] = item;
    this.#size += 1;
    return slot;
  }

  remove(slot: number): void {
    if (this.#slots[slot] === undefined) return;
    this.#slots[slot] = undefined;
    this.#free.push(slot);
    this.#size -= 1;
  }

  forEach(visit: (item: T) => void): void {
    for (const item of this.#slots) if (item !== undefined) visit(item);
  }
}
