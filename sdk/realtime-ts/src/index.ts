export * from './frames.js';
export * from './client.js';
