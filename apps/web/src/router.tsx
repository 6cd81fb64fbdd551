import { createBrowserRouter } from 'react-router-dom';
import { AppLayout } from './components/AppLayout';
import { TracePage } from './features/trace/TracePage';
import { NotFound } from './components/NotFound';

// The permalink page is in the main bundle (it is what a shared link opens, and it must draw
// fast); the composer (packet decoders, live capture) and the mappings page (d3 scales and
// shapes) are chunks of their own, loaded when their route is visited.
export const router = createBrowserRouter([
  {
    element: <AppLayout />,
    children: [
      { path: '/', lazy: async () => ({ Component: (await import('./features/composer/ComposerPage')).ComposerPage }) },
      { path: '/t/:id', element: <TracePage /> },
      { path: '/flows', lazy: async () => ({ Component: (await import('./features/flows/FlowsPage')).FlowsPage }) },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
