export * from './configure-web-app';
export {
  localize,
  registerHelpers,
  type PageLocals,
  type DateFormatter,
} from './handlebars-helpers';
export { resolveLang, LANG_COOKIE, type Lang } from './language';
export { SlottedPage, SlottedPageCache, type SlotValue } from './slotted-page';
