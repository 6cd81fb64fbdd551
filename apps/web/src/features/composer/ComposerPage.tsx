import { useSearchParams } from 'react-router-dom';
import { CapturePanel } from '../capture';
import { ImportTab } from './ImportTab';
import { LogicalTab } from './LogicalTab';
import { OpenFlowTab } from './OpenFlowTab';
import { PacketTab } from './PacketTab';
import { RecentTraces } from './RecentTraces';

const TABS = [
  { id: 'packet', label: 'Packet', el: <PacketTab /> },
  { id: 'logical', label: 'Logical (ovn-trace)', el: <LogicalTab /> },
  { id: 'openflow', label: 'OpenFlow (ofproto/trace)', el: <OpenFlowTab /> },
  { id: 'import', label: 'Import', el: <ImportTab /> },
  { id: 'capture', label: 'Capture (live)', el: <CapturePanel /> },
] as const;

export function ComposerPage() {
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((t) => t.id === params.get('tab')) ?? TABS[0];
  return (
    <div className="page composer">
      <section className="compose">
        <h1>Where is my packet?</h1>
        <div role="tablist" className="tabs" aria-label="What to trace">
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`tab-${t.id}`}
              aria-selected={t.id === tab.id}
              aria-controls={`panel-${t.id}`}
              className={t.id === tab.id ? 'active' : ''}
              onClick={() => setParams({ tab: t.id }, { replace: true })}
            >
              {t.label}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`panel-${tab.id}`} aria-labelledby={`tab-${tab.id}`}>
          {tab.el}
        </div>
      </section>
      <RecentTraces />
    </div>
  );
}
