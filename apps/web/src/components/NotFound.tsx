import { Link } from 'react-router-dom';

export function NotFound() {
  return (
    <div className="page narrow">
      <h1>Nothing here</h1>
      <p>
        <Link to="/">Compose a trace</Link> or <Link to="/flows">browse the mappings</Link>.
      </p>
    </div>
  );
}
