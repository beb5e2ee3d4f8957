export * from './frames';
export * from './client';
