export * from './verdict';
export * from './conjunctions';
export * from './join';
export * from './graph';
