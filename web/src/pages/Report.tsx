import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api, type Blast, type BlastStats, errorText, unwrap } from '../api';
import { BarTable, SentOverTime } from '../components/Chart';
import { formatCount, formatDuration, formatInstant, StatusBadge, TIME_ZONE } from '../components/format';
import { Link } from '../router';
import { canSend, useSession } from '../session';

const LIVE = ['sending', 'paused'];

/** A blast that has started: live progress while it sends, then its stats, charts and per-recipient ledger. */
export function Report({ blast }: { blast: Blast }) {
  const { user } = useSession();
  const qc = useQueryClient();
  const id = blast.id;
  const live = LIVE.includes(blast.status);
  // While it sends, the stats (one indexed pass over its rows) are polled every second, and the blast with them.
  const stats = useQuery({
    queryKey: ['stats', id],
    queryFn: async () => {
      const s = await unwrap(api.GET('/api/v1/blasts/{id}/stats', { params: { path: { id } } }));
      if (s.status !== blast.status) void qc.invalidateQueries({ queryKey: ['blast', id] });
      return s;
    },
    refetchInterval: live ? 1000 : false,
  });
  // A finished blast's timeline no longer changes: ask for it now, beside the stats, instead of after them.
  useQuery({ ...timelineQuery(id, live, 0), enabled: !live });
  const control = useMutation({
    mutationFn: (action: 'pause' | 'resume' | 'cancel') =>
      unwrap(
        action === 'pause'
          ? api.POST('/api/v1/blasts/{id}/pause', { params: { path: { id } } })
          : action === 'resume'
            ? api.POST('/api/v1/blasts/{id}/resume', { params: { path: { id } } })
            : api.POST('/api/v1/blasts/{id}/cancel', { params: { path: { id } } }),
      ),
    onSuccess: (b) => {
      qc.setQueryData(['blast', id], b);
      void qc.invalidateQueries({ queryKey: ['stats', id] });
    },
  });

  return (
    <>
      <div className="title-row">
        <h1>
          {blast.name} <StatusBadge status={blast.status} />
        </h1>
      </div>
      <p>
        <Link to="/">← All blasts</Link>
      </p>
      <p className="muted">
        Subject: {blast.subject}
        {blast.startedAt && ` · started ${formatInstant(blast.startedAt)}`}
        {blast.finishedAt && ` · finished ${formatInstant(blast.finishedAt)}`} ({TIME_ZONE})
      </p>
      {blast.pauseReason && <p className="error" role="alert">Paused: {blast.pauseReason}</p>}
      {stats.error && <p className="error" role="alert">{errorText(stats.error)}</p>}
      {stats.data && <Progress stats={stats.data} live={live} />}
      {canSend(user) && live && (
        <div className="row controls">
          {blast.status === 'sending' && (
            <button type="button" className="secondary" onClick={() => control.mutate('pause')} disabled={control.isPending}>Pause</button>
          )}
          {blast.status === 'paused' && (
            <button type="button" className="secondary" onClick={() => control.mutate('resume')} disabled={control.isPending}>Resume</button>
          )}
          <button
            type="button"
            className="danger"
            onClick={() => window.confirm('Cancel this blast? Nothing more will be sent.') && control.mutate('cancel')}
            disabled={control.isPending}
          >
            Cancel blast
          </button>
        </div>
      )}
      {control.error && <p className="error" role="alert">{errorText(control.error)}</p>}
      {stats.data && <Outcomes id={id} stats={stats.data} live={live} />}
      <Ledger id={id} />
    </>
  );
}

/** Sent, skipped, failed, the rate over the last ~10 s of samples, and the time left at that rate. */
function Progress({ stats, live }: { stats: BlastStats; live: boolean }) {
  const samples = useRef<{ t: number; done: number }[]>([]);
  const done = stats.sent + stats.failed;
  const now = Date.now();
  const last = samples.current[samples.current.length - 1];
  if (!last || last.done !== done || now - last.t > 900) samples.current.push({ t: now, done });
  samples.current = samples.current.filter((s) => now - s.t <= 10_000);
  const first = samples.current[0];
  const rate = first && now - first.t > 500 ? ((done - first.done) * 1000) / (now - first.t) : 0;
  const remaining = stats.pending + stats.sending;
  const total = stats.audience;
  const pct = total === 0 ? 100 : Math.floor(((total - remaining) / total) * 100);
  return (
    <section aria-labelledby="h-progress" className="panel">
      <h2 id="h-progress">Progress</h2>
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label="Sending progress">
        <span style={{ width: `${pct}%` }} />
      </div>
      <p className="big" aria-live="polite" data-testid="progress-percent">
        {pct} %
      </p>
      <dl className="figures">
        <div><dt>Audience</dt><dd>{formatCount(total)}</dd></div>
        <div><dt>Sent</dt><dd data-testid="sent-count">{formatCount(stats.sent)}</dd></div>
        <div><dt>Skipped</dt><dd>{formatCount(stats.skipped)}</dd></div>
        <div><dt>Failed</dt><dd>{formatCount(stats.failed)}</dd></div>
        {live && (
          <>
            <div><dt>Rate</dt><dd>{rate > 0 ? `${rate.toFixed(1)} / s` : '—'}</dd></div>
            <div><dt>Time left</dt><dd>{remaining === 0 ? 'done' : rate > 0 ? formatDuration(remaining / rate) : '—'}</dd></div>
          </>
        )}
      </dl>
    </section>
  );
}

/** The sent-over-time series: refreshed every 50 messages while the blast sends, fetched once when it is over. */
function timelineQuery(id: string, live: boolean, sent: number) {
  return {
    queryKey: ['timeline', id, live ? Math.floor(sent / 50) : 'final'],
    queryFn: () => unwrap(api.GET('/api/v1/blasts/{id}/timeline', { params: { path: { id } } })),
  };
}

function Outcomes({ id, stats, live }: { id: string; stats: BlastStats; live: boolean }) {
  const timeline = useQuery({ ...timelineQuery(id, live, stats.sent), placeholderData: (prev) => prev });
  const r = stats.skippedByReason;
  return (
    <section aria-labelledby="h-stats" className="panel">
      <h2 id="h-stats">Stats</h2>
      <h3>Sent over time</h3>
      {timeline.data && <SentOverTime points={timeline.data.points as unknown as { at: string; sent: number }[]} bucketSeconds={timeline.data.bucketSeconds} />}
      <div className="two">
        <BarTable
          caption="Skipped by reason"
          rows={[
            { label: 'Frequency cap', value: r.frequencyCap },
            { label: 'Topic opt-out', value: r.topicOptOut },
            { label: 'Organization daily cap', value: r.orgCap },
            { label: 'Not subscribed', value: r.notSubscribed },
            { label: 'Suppressed', value: r.suppressed },
          ]}
        />
        <BarTable
          caption="After sending"
          rows={[
            { label: 'Bounced', value: stats.bounced },
            { label: 'Complaints', value: stats.complained },
            { label: 'Unsubscribed', value: stats.unsubscribed },
            { label: 'Actions (petition signatures)', value: stats.actions },
          ]}
        />
      </div>
      {stats.possibleDuplicates > 0 && (
        <p className="muted">{formatCount(stats.possibleDuplicates)} messages were re-sent after a worker stopped mid-send and may have arrived twice.</p>
      )}
    </section>
  );
}

const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'failed', 'skipped', 'cancelled', 'bounced', 'complained'] as const;
type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

function Ledger({ id }: { id: string }) {
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const ledger = useQuery({
    queryKey: ['ledger', id, q, status, cursor],
    queryFn: () =>
      unwrap(api.GET('/api/v1/blasts/{id}/deliveries', { params: { path: { id }, query: { q: q || undefined, status: status || undefined, cursor, limit: 50 } } })),
    placeholderData: (prev) => prev,
  });
  const csv = new URLSearchParams();
  if (q) csv.set('q', q);
  if (status) csv.set('status', status);
  return (
    <section aria-labelledby="h-ledger" className="panel">
      <h2 id="h-ledger">Recipients</h2>
      <form
        className="row filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQ(search.trim());
          setCursors([]);
        }}
      >
        <div className="grow">
          <label htmlFor="ledger-search">Address starts with</label>
          <input id="ledger-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div>
          <label htmlFor="ledger-status">Status</label>
          <select
            id="ledger-status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as DeliveryStatus | '');
              setCursors([]);
            }}
          >
            <option value="">All</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </div>
        <button type="submit" className="secondary">Search</button>
        <a className="button secondary" href={`/api/v1/blasts/${id}/deliveries.csv${csv.size ? `?${csv}` : ''}`} download>
          Download CSV
        </a>
      </form>
      {ledger.error && <p className="error" role="alert">{errorText(ledger.error)}</p>}
      {ledger.data && (
        <>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Recipients (scrolls sideways)">
            <table data-testid="ledger">
              <caption className="sr-only">Recipients of this blast</caption>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Status</th>
                  <th scope="col">Skip reason</th>
                  <th scope="col" className="num">Attempts</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Server reply</th>
                </tr>
              </thead>
              <tbody>
                {ledger.data.items.length === 0 && (
                  <tr>
                    <td colSpan={6}>No recipients match.</td>
                  </tr>
                )}
                {ledger.data.items.map((d) => (
                  <tr key={d.subscriberId}>
                    <td>{d.email ?? <em>erased</em>}</td>
                    <td><StatusBadge status={d.status} /></td>
                    <td>{d.skipReason ?? ''}</td>
                    <td className="num">{d.attempts}</td>
                    <td>{d.sentAt ? formatInstant(d.sentAt as unknown as string) : ''}</td>
                    <td className="reply">{d.responseCode ? `${d.responseCode} ${d.response ?? ''}` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="pager">
            {cursors.length > 0 && (
              <button type="button" className="secondary" onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
            )}
            {ledger.data.nextCursor && (
              <button type="button" className="secondary" onClick={() => setCursors([...cursors, ledger.data!.nextCursor!])}>Next page</button>
            )}
          </div>
        </>
      )}
    </section>
  );
}
