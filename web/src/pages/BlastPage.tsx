import { useQuery } from '@tanstack/react-query';
import { api, errorText, unwrap } from '../api';
import { Link } from '../router';
import { Composer } from './Composer';
import { Report } from './Report';

/** One blast: the composer while it is a draft or scheduled, the live progress and report once it has started. */
export function BlastPage({ id }: { id: string }) {
  const blast = useQuery({
    queryKey: ['blast', id],
    queryFn: () => unwrap(api.GET('/api/v1/blasts/{id}', { params: { path: { id } } })),
  });
  if (blast.isPending) return <p role="status">Loading…</p>;
  if (blast.error) return <p className="error" role="alert">{errorText(blast.error)} <Link to="/">Back to the blasts</Link></p>;
  const b = blast.data;
  return b.status === 'draft' || b.status === 'scheduled' ? <Composer blast={b} /> : <Report blast={b} />;
}
