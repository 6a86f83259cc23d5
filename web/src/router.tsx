import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

/**
 * A path router in a few lines (the console has five routes and no nested data loading, so a router library would
 * be weight without use): the path after /console, pushState navigation, deep links served by the api.
 */
export const BASE = '/console';
const listeners = new Set<() => void>();
const subscribe = (fn: () => void) => {
  listeners.add(fn);
  window.addEventListener('popstate', fn);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('popstate', fn);
  };
};
const currentPath = () => window.location.pathname.replace(/^\/console/, '') || '/';

export function useRoute(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

export function navigate(to: string, replace = false): void {
  window.history[replace ? 'replaceState' : 'pushState'](null, '', BASE + to);
  listeners.forEach((fn) => fn());
  window.scrollTo(0, 0);
}

export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={BASE + to} onClick={click} {...rest} />;
}
