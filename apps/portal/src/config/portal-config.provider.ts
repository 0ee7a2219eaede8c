export const PORTAL_CONFIG = Symbol('PORTAL_CONFIG');
export const PORTAL_BLOB_STORE = Symbol('PORTAL_BLOB_STORE');
export const PORTAL_TRUST = Symbol('PORTAL_TRUST');
