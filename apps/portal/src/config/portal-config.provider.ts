export const PORTAL_CONFIG = Symbol('PORTAL_CONFIG');
export const PORTAL_BLOB_STORE = Symbol('PORTAL_BLOB_STORE');
