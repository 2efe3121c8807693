import { Link } from "react-router";

export function NotFoundPage() {
  return (
    <section className="state">
      <h1>Not found</h1>
      <p>
        There is no page here. <Link to="/">Go to the dashboard</Link>.
      </p>
    </section>
  );
}
