export * from './queries';
export * from './message';
