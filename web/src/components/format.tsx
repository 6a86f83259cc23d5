/** The organizer's own time zone, named wherever a time is shown or entered. */
export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const instant = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const formatInstant = (iso: string) => instant.format(new Date(iso));
export const formatCount = (n: number) => n.toLocaleString();

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

/** Seconds as "1 h 5 min", "3 min 20 s", "12 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${s} s`;
}
