export * from './sql';
export * from './path';
export * from './record';
export * from './runner';
export * from './rescan';
export * from './queries';
export * from './impact';
