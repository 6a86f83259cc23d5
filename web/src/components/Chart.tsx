import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Messages sent over time as bars (uPlot); the figures are also given as text for screen readers. */
export function SentOverTime({ points, bucketSeconds }: { points: { at: string; sent: number }[]; bucketSeconds: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || points.length === 0) return;
    const data: uPlot.AlignedData = [points.map((p) => new Date(p.at).getTime() / 1000), points.map((p) => p.sent)];
    const width = () => Math.max(280, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        legend: { show: false },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [{}, { label: `sent per ${bucketSeconds >= 60 ? `${bucketSeconds / 60} min` : `${bucketSeconds} s`}`, size: 60 }],
        series: [{}, { label: 'Sent', stroke: '#1d4ed8', fill: 'rgba(29, 78, 216, 0.25)', paths: uPlot.paths.bars!({ size: [0.8, 40] }), points: { show: false } }],
      },
      data,
      el,
    );
    const resize = () => plot.setSize({ width: width(), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [points, bucketSeconds]);
  if (points.length === 0) return <p>Nothing sent yet.</p>;
  const total = points.reduce((a, p) => a + p.sent, 0);
  return (
    <figure className="chart">
      <div ref={box} aria-hidden="true" />
      <figcaption>
        {total.toLocaleString()} messages sent between {new Date(points[0].at).toLocaleTimeString()} and{' '}
        {new Date(new Date(points[points.length - 1].at).getTime() + bucketSeconds * 1000).toLocaleTimeString()}.
      </figcaption>
    </figure>
  );
}

/** A horizontal bar chart as an accessible table: one row per label, the bar drawn to scale beside the number. */
export function BarTable({ caption, rows }: { caption: string; rows: { label: string; value: number }[] }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <table className="bars">
      <caption>{caption}</caption>
      <tbody>
        {rows.map((r) => (
          <tr key={r.label}>
            <th scope="row">{r.label}</th>
            <td className="num">{r.value.toLocaleString()}</td>
            <td className="bar-cell" aria-hidden="true">
              <span className="bar" style={{ width: `${(r.value / max) * 100}%` }} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
