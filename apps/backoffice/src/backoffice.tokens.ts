/** Injection tokens for values that are not classes. */
export const BACKOFFICE_CONFIG = Symbol('BACKOFFICE_CONFIG');
export const BLOB_STORE = Symbol('BLOB_STORE');
