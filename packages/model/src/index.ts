export * from './common';
export * from './trace';
export * from './ovn-trace';
export * from './flows';
export * from './packet';
export * from './api';
