export * from './target';
export * from './quote';
export * from './run';
