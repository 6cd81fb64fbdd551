import { createBrowserRouter } from 'react-router-dom';
import { AppLayout } from './components/AppLayout';
import { ComposerPage } from './features/composer/ComposerPage';
import { TracePage } from './features/trace/TracePage';
import { FlowsPage } from './features/flows/FlowsPage';
import { NotFound } from './components/NotFound';

export const router = createBrowserRouter([
  {
    element: <AppLayout />,
    children: [
      { path: '/', element: <ComposerPage /> },
      { path: '/t/:id', element: <TracePage /> },
      { path: '/flows', element: <FlowsPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
