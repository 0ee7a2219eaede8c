export * from './simulated-jlis';
export * from './jpki-certificate-profile';
export * from './jlis.error';
export * from './revocation-reason';
export type { JlisHttpServer } from './jlis-http.server';
export type { CertificateKind, IssuedCertificateRecord } from './jlis-state.store';
export { OcspResponseStatus, type OcspCertStatus } from './ocsp.responder';
