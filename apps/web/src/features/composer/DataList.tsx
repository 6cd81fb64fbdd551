import type { PortOption } from './inventory-options';

export function DataList({ id, options }: { id: string; options: PortOption[] }) {
  return (
    <datalist id={id}>
      {options.map((o) => (
        <option key={o.value} value={o.value} label={o.label} />
      ))}
    </datalist>
  );
}
