export { renderHomePage } from './home-page.ts';
export { renderIncidentPage } from './incident-page.ts';
export { renderHistoryPage, historyPageSize } from './history-page.ts';
export { renderComponentPage } from './component-page.ts';
export { renderNotFoundPage } from './not-found-page.ts';
export {
  renderConfirmPage,
  renderNoticePage,
  renderSubscribePage,
  renderUnsubscribePage,
} from './subscribe-pages.ts';
export { renderMarkdown } from './markdown.ts';
export { escapeHtml, refreshScript } from './html.ts';
