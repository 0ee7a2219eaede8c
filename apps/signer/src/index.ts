export * from './card-connection';
export * from './secret-prompt';
export * from './session-url';
export * from './signer-api.client';
export * from './signer-messages';
export * from './signer-session';
export * from './signer.error';
export * from './signer.cli';
