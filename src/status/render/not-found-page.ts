import type { StatusView } from '../view.ts';
import { renderDocument } from './html.ts';

/** Any path the status host does not serve, in the page's own look. */
export function renderNotFoundPage(view: StatusView): string {
  const body =
    '<h1>Page not found</h1><p>There is nothing at this address. <a href="/">Current status</a></p>';
  return renderDocument(view, { title: 'Page not found', body });
}
