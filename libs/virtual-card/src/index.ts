export * from './virtual-my-number-card';
export * from './in-process.transport';
export * from './virtual-card.error';
export * from './my-number.util';
export type { PinId } from './card-state.store';
export * from './jlis';
export * from './vpcd/vpcd.client';
