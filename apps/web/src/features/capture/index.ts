export { CapturePanel } from './CapturePanel';
export { captureInterfacesQuery, captureKeys } from './capture-api';
export type { CaptureEvent, CaptureInterface, CaptureListing } from './capture-api';
