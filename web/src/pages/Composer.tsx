import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { marked } from 'marked';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { api, ApiError, type Blast, errorText, type Problem, unwrap } from '../api';
import { formatCount, formatInstant, StatusBadge, TIME_ZONE } from '../components/format';
import { Link } from '../router';
import { canSend, useSession } from '../session';
import { useSegmentNames } from './BlastList';

type Priority = 'normal' | 'important';
interface Draft {
  name: string;
  subject: string;
  preheader: string;
  fromName: string;
  fromEmail: string;
  replyTo: string;
  htmlBody: string;
  segmentId: string;
  topicId: string;
  priority: Priority;
  randomLimit: string;
}

const draftOf = (b: Blast): Draft => ({
  name: b.name,
  subject: b.subject,
  preheader: b.preheader ?? '',
  fromName: b.fromName ?? '',
  fromEmail: b.fromEmail ?? '',
  replyTo: b.replyTo ?? '',
  htmlBody: b.htmlBody,
  segmentId: b.segmentId ?? '',
  topicId: b.topicId ?? '',
  priority: b.priority,
  randomLimit: b.randomLimit ? String(b.randomLimit) : '',
});

/** The PATCH body: empty optional fields become null (the settings' defaults apply). */
const patchOf = (d: Draft) => ({
  name: d.name,
  subject: d.subject,
  preheader: d.preheader || null,
  fromName: d.fromName || null,
  fromEmail: d.fromEmail || null,
  replyTo: d.replyTo || null,
  htmlBody: d.htmlBody,
  segmentId: d.segmentId || null,
  topicId: d.topicId || null,
  priority: d.priority,
  randomLimit: d.randomLimit ? Number(d.randomLimit) : null,
});

const MERGE_FIELDS = [
  { value: 'firstName', label: 'First name' },
  { value: 'lastName', label: 'Last name' },
  { value: 'email', label: 'Email address' },
  { value: 'zip', label: 'ZIP code' },
  { value: 'state', label: 'State' },
  { value: 'custom', label: 'Custom field…' },
];

/** Compose, preview, audience, test, schedule and send one blast (a draft, or a scheduled one to unschedule). */
export function Composer({ blast }: { blast: Blast }) {
  const { user } = useSession();
  const qc = useQueryClient();
  const id = blast.id;
  const editable = blast.status === 'draft' && canSend(user);
  const [draft, setDraft] = useState<Draft>(() => draftOf(blast));
  const [version, setVersion] = useState(0);
  const [dirty, setDirty] = useState(false);
  const [saveProblems, setSaveProblems] = useState<Problem[]>([]);
  const [saveError, setSaveError] = useState('');
  const [bodyMode, setBodyMode] = useState<'html' | 'markdown'>('html');
  const [markdown, setMarkdown] = useState('');
  const [previewAs, setPreviewAs] = useState<{ id: string; email: string } | null>(null);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setDirty(true);
  };

  // Autosave: 600 ms after the last change, the draft is saved; then validation, preview and estimate refresh.
  const save = useMutation({
    mutationFn: (d: Draft) => unwrap(api.PATCH('/api/v1/blasts/{id}', { params: { path: { id } }, body: patchOf(d) })),
    onSuccess: (saved) => {
      setSaveProblems([]);
      setSaveError('');
      qc.setQueryData(['blast', id], saved);
      setVersion((v) => v + 1);
    },
    onError: (e) => {
      setSaveProblems(e instanceof ApiError ? e.details : []);
      setSaveError(errorText(e));
    },
  });
  const saveRef = useRef(save.mutate);
  saveRef.current = save.mutate;
  // What the browser can tell at once (a required field emptied, an address half typed) is shown without a request;
  // the API's own checks and the template validation come back after the save.
  const localProblems = localProblemsOf(draft);
  useEffect(() => {
    if (!dirty || !editable || localProblems.length) return;
    const t = setTimeout(() => {
      setDirty(false);
      saveRef.current(draft);
    }, 600);
    return () => clearTimeout(t);
  }, [draft, dirty, editable, localProblems.length]);

  const validation = useQuery({
    queryKey: ['validate', id, version],
    queryFn: () => unwrap(api.POST('/api/v1/blasts/{id}/validate', { params: { path: { id } } })),
    enabled: canSend(user),
  });
  const estimate = useQuery({
    queryKey: ['estimate', id, version],
    queryFn: () => unwrap(api.GET('/api/v1/blasts/{id}/estimate', { params: { path: { id } } })),
    placeholderData: (prev) => prev,
  });
  // The settings (for the default sender hints) are an admin's to read; the estimate names the sender for everyone.
  const settings = useQuery({
    queryKey: ['settings'],
    queryFn: () => unwrap(api.GET('/api/v1/settings')),
    staleTime: 60_000,
    enabled: user?.role === 'admin',
  });
  const segments = useSegmentNames();
  const topics = useQuery({ queryKey: ['topics'], queryFn: () => unwrap(api.GET('/api/v1/topics')), staleTime: 60_000 });

  const problems = localProblems.length ? localProblems : [...saveProblems, ...(validation.data?.problems ?? [])];
  const fieldProblems = (field: string) => problems.filter((p) => p.path === field || p.path.startsWith(`${field}.`) || p.path.startsWith(`${field}[`));
  const KNOWN = ['name', 'subject', 'preheader', 'fromName', 'fromEmail', 'replyTo', 'htmlBody', 'textBody', 'segmentId', 'topicId', 'priority', 'randomLimit'];
  const otherProblems = problems.filter((p) => !KNOWN.some((k) => p.path === k || p.path.startsWith(`${k}.`) || p.path.startsWith(`${k}[`)));
  // A template that does not compile cannot be rendered: the preview waits for the validation to pass it.
  // Nor while an edit is on its way (the render would race the save).
  const saving = (dirty && !localProblems.length) || save.isPending;
  const templatesRenderable =
    !dirty &&
    !saving &&
    !!validation.data &&
    !validation.isFetching &&
    !validation.data.problems.some((p) => TEMPLATE_FIELDS.some((f) => p.path === f || p.path.startsWith(`${f}.`)));

  const field = (key: keyof Draft, label: string, input: (props: FieldProps) => ReactNode, hint?: string) => {
    const ps = fieldProblems(key);
    const describedBy = [hint ? `${key}-hint` : '', ps.length ? `${key}-problems` : ''].filter(Boolean).join(' ') || undefined;
    return (
      <div className={`field${ps.length ? ' has-problem' : ''}`}>
        <label htmlFor={`f-${key}`}>{label}</label>
        {input({ id: `f-${key}`, 'aria-describedby': describedBy, 'aria-invalid': ps.length > 0 || undefined, disabled: !editable })}
        {hint && <p className="hint" id={`${key}-hint`}>{hint}</p>}
        {ps.length > 0 && (
          <ul className="problems" id={`${key}-problems`}>
            {ps.map((p, i) => (
              <li key={i}>{p.message}</li>
            ))}
          </ul>
        )}
      </div>
    );
  };
  const text = (key: keyof Draft, props: FieldProps & { type?: string; autoComplete?: string }) => (
    <input {...props} value={draft[key]} onChange={(e) => set(key, e.target.value as never)} />
  );

  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const insertMergeField = (snippet: string) => {
    const el = bodyRef.current;
    const source = bodyMode === 'markdown' ? markdown : draft.htmlBody;
    const at = el ? el.selectionStart : source.length;
    const end = el ? el.selectionEnd : source.length;
    updateBody(source.slice(0, at) + snippet + source.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + snippet.length, at + snippet.length);
    });
  };
  const updateBody = (source: string) => {
    if (bodyMode === 'markdown') {
      setMarkdown(source);
      set('htmlBody', marked.parse(source, { async: false }));
    } else set('htmlBody', source);
  };

  return (
    <>
      <div className="title-row">
        <h1>
          {draft.name || 'Untitled blast'} <StatusBadge status={blast.status} />
        </h1>
        <p className="save-state" role="status" aria-live="polite">
          {!editable ? '' : localProblems.length || saveError ? 'Not saved' : saving ? 'Saving…' : 'All changes saved'}
        </p>
      </div>
      <p>
        <Link to="/">← All blasts</Link>
      </p>
      {saveError && !saveProblems.length && <p className="error" role="alert">{saveError}</p>}
      {problems.length > 0 && (
        <div className="problem-summary" role="status">
          <p>
            <strong>{problems.length === 1 ? '1 problem' : `${problems.length} problems`}</strong> to fix before this blast can be sent
            {otherProblems.length > 0 ? ':' : ' (shown next to each field).'}
          </p>
          {otherProblems.length > 0 && (
            <ul>
              {otherProblems.map((p, i) => (
                <li key={i}>{p.path ? `${p.path}: ` : ''}{p.message}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="composer">
        <section aria-labelledby="h-message" className="panel">
          <h2 id="h-message">Message</h2>
          {field('name', 'Name (only organizers see it)', (p) => text('name', p))}
          {field('subject', 'Subject', (p) => text('subject', p))}
          {field('preheader', 'Preheader (inbox preview text)', (p) => text('preheader', p))}
          <div className="two">
            {field('fromName', 'From name', (p) => text('fromName', p), settings.data?.defaultFromName ? `Default: ${settings.data.defaultFromName}` : undefined)}
            {field('fromEmail', 'From address', (p) => text('fromEmail', { ...p, type: 'email' }), settings.data?.defaultFromEmail ? `Default: ${settings.data.defaultFromEmail}` : undefined)}
          </div>
          {field('replyTo', 'Reply-to address', (p) => text('replyTo', { ...p, type: 'email' }))}
          <fieldset className="body-mode" disabled={!editable}>
            <legend>Body format</legend>
            <label>
              <input type="radio" name="body-mode" checked={bodyMode === 'html'} onChange={() => setBodyMode('html')} /> HTML
            </label>
            <label>
              <input
                type="radio"
                name="body-mode"
                checked={bodyMode === 'markdown'}
                onChange={() => {
                  setBodyMode('markdown');
                  if (!markdown) setMarkdown('');
                }}
              />{' '}
              Markdown (converted to HTML as you type)
            </label>
          </fieldset>
          {editable && <MergeFieldPicker onInsert={insertMergeField} />}
          {field('htmlBody', bodyMode === 'markdown' ? 'Body (Markdown)' : 'Body (HTML)', (p) => (
            <textarea
              {...p}
              ref={bodyRef}
              rows={14}
              spellCheck
              value={bodyMode === 'markdown' ? markdown : draft.htmlBody}
              onChange={(e) => updateBody(e.target.value)}
            />
          ))}
        </section>
        {canSend(user) && (
          <Preview id={id} version={version} renderable={templatesRenderable} previewAs={previewAs} onPreviewAs={setPreviewAs} />
        )}
      </div>

      <section aria-labelledby="h-audience" className="panel">
        <h2 id="h-audience">Audience</h2>
        <div className="two">
          {field('segmentId', 'Send to', (p) => (
            <select {...p} value={draft.segmentId} onChange={(e) => set('segmentId', e.target.value)}>
              <option value="">Everyone subscribed</option>
              {[...segments].map(([sid, name]) => (
                <option key={sid} value={sid}>Segment: {name}</option>
              ))}
            </select>
          ))}
          {field('topicId', 'Topic (people who opted out of it are skipped)', (p) => (
            <select {...p} value={draft.topicId} onChange={(e) => set('topicId', e.target.value)}>
              <option value="">No topic</option>
              {(topics.data ?? []).map((t) => (
                <option key={t.id} value={t.id}>{t.name}</option>
              ))}
            </select>
          ))}
          {field('priority', 'Priority', (p) => (
            <select {...p} value={draft.priority} onChange={(e) => set('priority', e.target.value as Priority)}>
              <option value="normal">Normal</option>
              <option value="important">Important (also reaches “only the most important”)</option>
            </select>
          ))}
          {field('randomLimit', 'Random limit (optional)', (p) => text('randomLimit', { ...p, type: 'number' }), 'Send to this many of the audience, chosen at random.')}
        </div>
        <div aria-live="polite" className="estimate" id="audience-estimate">
          {estimate.data ? (
            <>
              <p className="big">
                <strong data-testid="audience-count">{formatCount(estimate.data.send)}</strong> {estimate.data.send === 1 ? 'subscriber' : 'subscribers'} would receive it now
                {estimate.isFetching ? ' (updating…)' : ''}
              </p>
              <p>
                Of {formatCount(estimate.data.total)} in the audience, these would be skipped: frequency caps {formatCount(estimate.data.skippedByReason.frequencyCap)},
                topic opt-outs {formatCount(estimate.data.skippedByReason.topicOptOut)}, the organization’s daily cap{' '}
                {formatCount(estimate.data.skippedByReason.orgCap)}, not subscribed {formatCount(estimate.data.skippedByReason.notSubscribed)}, suppressed{' '}
                {formatCount(estimate.data.skippedByReason.suppressed)}
                {estimate.data.beyondLimit ? `; ${formatCount(estimate.data.beyondLimit)} left out by the random limit` : ''}.
              </p>
            </>
          ) : estimate.error ? (
            <p className="error">{errorText(estimate.error)}</p>
          ) : (
            <p>Counting…</p>
          )}
        </div>
      </section>

      {canSend(user) && (
        <SendControls
          blast={blast}
          ready={!saving && problems.length === 0 && !validation.isFetching}
          audience={estimate.data?.send}
          sender={senderOf(estimate.data)}
          previewAs={previewAs}
        />
      )}
    </>
  );
}

const TEMPLATE_FIELDS = ['subject', 'preheader', 'htmlBody', 'textBody'];
const LOOKS_LIKE_ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
function localProblemsOf(d: Draft): Problem[] {
  const out: Problem[] = [];
  if (!d.name.trim()) out.push({ path: 'name', message: 'A name is required' });
  if (!d.subject.trim()) out.push({ path: 'subject', message: 'A subject is required' });
  if (!d.htmlBody.trim()) out.push({ path: 'htmlBody', message: 'The body is empty' });
  for (const k of ['fromEmail', 'replyTo'] as const) {
    if (d[k] && !LOOKS_LIKE_ADDRESS.test(d[k].trim())) out.push({ path: k, message: 'This is not an email address yet' });
  }
  if (d.randomLimit && !(Number.isInteger(Number(d.randomLimit)) && Number(d.randomLimit) >= 1)) out.push({ path: 'randomLimit', message: 'A whole number, 1 or more' });
  return out;
}

type FieldProps = { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean; disabled: boolean };

function senderOf(e?: { fromName: string | null; fromEmail: string | null }): string {
  const email = e?.fromEmail ?? '(no from address)';
  return e?.fromName ? `${e.fromName} <${email}>` : email;
}

function MergeFieldPicker({ onInsert }: { onInsert: (snippet: string) => void }) {
  const [fieldName, setFieldName] = useState('firstName');
  const [customKey, setCustomKey] = useState('');
  const [fallback, setFallback] = useState('');
  const path = fieldName === 'custom' ? `custom.${customKey.trim()}` : fieldName;
  const snippet = fallback ? `{{default ${path} "${fallback.replace(/"/g, '')}"}}` : `{{${path}}}`;
  return (
    <fieldset className="merge-picker">
      <legend>Insert a merge field</legend>
      <div className="row">
        <div>
          <label htmlFor="merge-field">Field</label>
          <select id="merge-field" value={fieldName} onChange={(e) => setFieldName(e.target.value)}>
            {MERGE_FIELDS.map((f) => (
              <option key={f.value} value={f.value}>{f.label}</option>
            ))}
          </select>
        </div>
        {fieldName === 'custom' && (
          <div>
            <label htmlFor="merge-custom">Custom field key</label>
            <input id="merge-custom" value={customKey} onChange={(e) => setCustomKey(e.target.value)} />
          </div>
        )}
        <div>
          <label htmlFor="merge-fallback">Fallback when empty</label>
          <input id="merge-fallback" value={fallback} placeholder="e.g. Friend" onChange={(e) => setFallback(e.target.value)} />
        </div>
        <button type="button" className="secondary" onClick={() => onInsert(snippet)} disabled={fieldName === 'custom' && !customKey.trim()}>
          Insert <code>{snippet}</code>
        </button>
      </div>
    </fieldset>
  );
}

function Preview({
  id,
  version,
  renderable,
  previewAs,
  onPreviewAs,
}: {
  id: string;
  version: number;
  renderable: boolean;
  previewAs: { id: string; email: string } | null;
  onPreviewAs: (p: { id: string; email: string } | null) => void;
}) {
  const [tab, setTab] = useState<'html' | 'text'>('html');
  const [width, setWidth] = useState<'desktop' | 'mobile'>('desktop');
  const [lookup, setLookup] = useState('');
  const [lookupError, setLookupError] = useState('');
  const preview = useQuery({
    queryKey: ['preview', id, version, previewAs?.id ?? 'sample'],
    queryFn: () => unwrap(api.POST('/api/v1/blasts/{id}/preview', { params: { path: { id } }, body: previewAs ? { subscriberId: previewAs.id } : {} })),
    placeholderData: (prev) => prev,
    enabled: renderable,
  });
  const find = async () => {
    setLookupError('');
    try {
      const page = await unwrap(api.GET('/api/v1/subscribers', { params: { query: { q: lookup.trim(), limit: 10 } } }));
      const match = page.items.find((s) => s.email.toLowerCase() === lookup.trim().toLowerCase()) ?? page.items[0];
      if (!match) setLookupError(`No subscriber matches “${lookup}”.`);
      else onPreviewAs({ id: match.id, email: match.email });
    } catch (e) {
      setLookupError(errorText(e));
    }
  };
  return (
    <section aria-labelledby="h-preview" className="panel preview">
      <h2 id="h-preview">Preview</h2>
      <div className="preview-as">
        <p>
          Rendered as: <strong data-testid="preview-as">{previewAs ? previewAs.email : 'a sample recipient (Alex Sample)'}</strong>
          {previewAs && (
            <button type="button" className="link" onClick={() => onPreviewAs(null)}>
              Use the sample instead
            </button>
          )}
        </p>
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void find();
          }}
        >
          <div>
            <label htmlFor="preview-subscriber">Preview as subscriber (email or name)</label>
            <input id="preview-subscriber" value={lookup} onChange={(e) => setLookup(e.target.value)} />
          </div>
          <button type="submit" className="secondary" disabled={!lookup.trim()}>Preview as</button>
        </form>
        {lookupError && <p className="error" role="alert">{lookupError}</p>}
      </div>
      <div className="row toolbar">
        <div role="tablist" aria-label="Preview format">
          <button type="button" role="tab" id="tab-html" aria-selected={tab === 'html'} aria-controls="preview-panel" onClick={() => setTab('html')}>HTML</button>
          <button type="button" role="tab" id="tab-text" aria-selected={tab === 'text'} aria-controls="preview-panel" onClick={() => setTab('text')}>Plain text</button>
        </div>
        <div role="group" aria-label="Preview width">
          <button type="button" aria-pressed={width === 'desktop'} onClick={() => setWidth('desktop')}>Desktop</button>
          <button type="button" aria-pressed={width === 'mobile'} onClick={() => setWidth('mobile')}>Mobile</button>
        </div>
      </div>
      {preview.error && <p className="error" role="alert">{errorText(preview.error)}</p>}
      {!renderable && <p className="muted" role="status">The preview updates once the templates have no problems.</p>}
      {preview.data && (
        <div id="preview-panel" role="tabpanel" aria-labelledby={tab === 'html' ? 'tab-html' : 'tab-text'} className={`preview-frame ${width}`}>
          <p className="preview-subject">
            <span className="muted">Subject:</span> <span data-testid="preview-subject">{preview.data.subject}</span>
          </p>
          {tab === 'html' ? (
            <iframe title="HTML preview of the message" sandbox="" srcDoc={preview.data.html} />
          ) : (
            <pre className="preview-text" tabIndex={0} data-testid="preview-text">{preview.data.text}</pre>
          )}
        </div>
      )}
    </section>
  );
}

function SendControls({
  blast,
  ready,
  audience,
  sender,
  previewAs,
}: {
  blast: Blast;
  ready: boolean;
  audience?: number;
  sender: string;
  previewAs: { id: string; email: string } | null;
}) {
  const qc = useQueryClient();
  const id = blast.id;
  const [testTo, setTestTo] = useState('');
  const [sendAt, setSendAt] = useState('');
  const dialog = useRef<HTMLDialogElement>(null);
  const after = (b: Blast) => qc.setQueryData(['blast', id], b);

  const test = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/blasts/{id}/test', {
          params: { path: { id } },
          body: { to: testTo.split(/[\s,;]+/).filter(Boolean), ...(previewAs ? { subscriberId: previewAs.id } : {}) },
        }),
      ),
  });
  const schedule = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/blasts/{id}/schedule', { params: { path: { id } }, body: { sendAt: new Date(sendAt).toISOString() } })),
    onSuccess: after,
  });
  const unschedule = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/blasts/{id}/unschedule', { params: { path: { id } } })),
    onSuccess: after,
  });
  const send = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/blasts/{id}/send', { params: { path: { id } } })),
    onSuccess: (b) => {
      dialog.current?.close();
      after(b);
    },
  });

  return (
    <section aria-labelledby="h-send" className="panel">
      <h2 id="h-send">Test and send</h2>
      {blast.status === 'draft' && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            test.mutate();
          }}
        >
          <div className="grow">
            <label htmlFor="test-to">Send a test to (up to 10 addresses, comma-separated)</label>
            <input id="test-to" value={testTo} onChange={(e) => setTestTo(e.target.value)} />
          </div>
          <button type="submit" className="secondary" disabled={!testTo.trim() || !ready || test.isPending}>Send test</button>
        </form>
      )}
      <div aria-live="polite">
        {test.data && <p className="ok">Test sent to {test.data.sent.join(', ')}.</p>}
        {test.error && <p className="error">{errorText(test.error)}</p>}
      </div>

      {blast.status === 'scheduled' ? (
        <div className="row">
          <p>
            Scheduled for <strong>{formatInstant(blast.scheduledAt!)}</strong> ({TIME_ZONE}).
          </p>
          <button type="button" className="secondary" onClick={() => unschedule.mutate()} disabled={unschedule.isPending}>Unschedule (back to draft)</button>
        </div>
      ) : (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            schedule.mutate();
          }}
        >
          <div>
            <label htmlFor="send-at">Send at (your time zone: {TIME_ZONE})</label>
            <input id="send-at" type="datetime-local" value={sendAt} onChange={(e) => setSendAt(e.target.value)} />
          </div>
          <button type="submit" className="secondary" disabled={!sendAt || !ready || schedule.isPending}>Schedule</button>
        </form>
      )}
      {(schedule.error || unschedule.error) && <p className="error" role="alert">{errorText(schedule.error ?? unschedule.error)}</p>}

      {blast.status === 'draft' && (
        <>
          <button type="button" className="primary" disabled={!ready || audience === undefined} onClick={() => dialog.current?.showModal()}>
            Send now…
          </button>
          {!ready && <p className="hint">Fix the problems above (and wait for the draft to save) to send.</p>}
        </>
      )}
      <dialog ref={dialog} aria-labelledby="confirm-title" aria-describedby="confirm-text">
        <h2 id="confirm-title">Send “{blast.name}” now?</h2>
        <p id="confirm-text">
          It goes to <strong data-testid="confirm-count">{formatCount(audience ?? 0)}</strong> {audience === 1 ? 'subscriber' : 'subscribers'} from{' '}
          <strong>{sender}</strong>. This cannot be undone; you can pause or cancel while it sends.
        </p>
        {send.error && <p className="error" role="alert">{errorText(send.error)}</p>}
        <div className="row">
          <button type="button" className="primary" onClick={() => send.mutate()} disabled={send.isPending}>
            Send to {formatCount(audience ?? 0)} {audience === 1 ? 'subscriber' : 'subscribers'}
          </button>
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>Cancel</button>
        </div>
      </dialog>
    </section>
  );
}
