import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Blast, errorText, unwrap } from '../api';
import { formatInstant, StatusBadge } from '../components/format';
import { Link, navigate } from '../router';
import { canSend, useSession } from '../session';

const STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;
type Status = (typeof STATUSES)[number];

export function BlastList() {
  const { user } = useSession();
  const [status, setStatus] = useState<Status | ''>('');
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const blasts = useQuery({
    queryKey: ['blasts', status, cursor],
    queryFn: () => unwrap(api.GET('/api/v1/blasts', { params: { query: { status: status || undefined, cursor, limit: 25 } } })),
  });
  const segments = useSegmentNames();
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/blasts', {
          body: { name: 'Untitled blast', priority: 'normal', subject: 'A message from the campaign', htmlBody: '<p>Hello {{default firstName "Friend"}},</p>\n<p></p>' },
        }),
      ),
    onSuccess: (b) => navigate(`/blasts/${b.id}`),
  });

  return (
    <>
      <div className="title-row">
        <h1>Blasts</h1>
        {canSend(user) && (
          <button type="button" onClick={() => create.mutate()} disabled={create.isPending}>
            New blast
          </button>
        )}
      </div>
      {create.error && <p className="error" role="alert">{errorText(create.error)}</p>}
      <div className="filters">
        <label htmlFor="status-filter">Status</label>
        <select
          id="status-filter"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as Status | '');
            setCursors([]);
          }}
        >
          <option value="">All</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>{s}</option>
          ))}
        </select>
      </div>
      {blasts.isPending ? (
        <p role="status">Loading blasts…</p>
      ) : blasts.error ? (
        <p className="error" role="alert">{errorText(blasts.error)}</p>
      ) : blasts.data.items.length === 0 ? (
        <p>No blasts{status ? ` with status ${status}` : ''} yet.</p>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Blasts (scrolls sideways)">
          <table>
            <caption className="sr-only">Blasts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Audience</th>
                <th scope="col" className="num">Sent</th>
                <th scope="col" className="num">Skipped</th>
                <th scope="col" className="num">Failed</th>
                <th scope="col">Scheduled</th>
              </tr>
            </thead>
            <tbody>
              {blasts.data.items.map((b) => (
                <BlastRow key={b.id} blast={b} segmentName={b.segmentId ? (segments.get(b.segmentId) ?? 'a segment') : 'Everyone'} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="pager">
        {cursors.length > 0 && (
          <button type="button" className="secondary" onClick={() => setCursors(cursors.slice(0, -1))}>Newer</button>
        )}
        {blasts.data?.nextCursor && (
          <button type="button" className="secondary" onClick={() => setCursors([...cursors, blasts.data!.nextCursor!])}>Older</button>
        )}
      </div>
    </>
  );
}

function BlastRow({ blast, segmentName }: { blast: Blast; segmentName: string }) {
  // Drafts and scheduled blasts have no ledger yet; the others' counts come from their stats (one indexed pass each).
  const hasLedger = !['draft', 'scheduled'].includes(blast.status);
  const stats = useQuery({
    queryKey: ['stats', blast.id],
    queryFn: () => unwrap(api.GET('/api/v1/blasts/{id}/stats', { params: { path: { id: blast.id } } })),
    enabled: hasLedger,
    staleTime: blast.status === 'sending' ? 2000 : 60_000,
  });
  const n = (v?: number) => (hasLedger ? (v ?? '…') : '—');
  return (
    <tr>
      <td><Link to={`/blasts/${blast.id}`}>{blast.name}</Link></td>
      <td><StatusBadge status={blast.status} /></td>
      <td>{segmentName}</td>
      <td className="num">{n(stats.data?.sent)}</td>
      <td className="num">{n(stats.data?.skipped)}</td>
      <td className="num">{n(stats.data?.failed)}</td>
      <td>{blast.scheduledAt ? formatInstant(blast.scheduledAt) : '—'}</td>
    </tr>
  );
}

export function useSegmentNames(): Map<string, string> {
  const q = useQuery({
    queryKey: ['segments'],
    queryFn: () => unwrap(api.GET('/api/v1/segments', {})),
    staleTime: 60_000,
  });
  return new Map((q.data ?? []).map((s) => [s.id, s.name]));
}
