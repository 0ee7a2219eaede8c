export * from './transfer-auth';
export * from './transfer.dto';
export * from './transfer.client';
