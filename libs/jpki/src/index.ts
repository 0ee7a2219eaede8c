export * from './apdu';
export * from './basic-four';
export * from './card.error';
export * from './card-transport';
export * from './jpki-card';
export * from './status-word';
export * from './tlv';
export * from './transports/pcsc.transport';
