import { useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router-dom';

/** A page started by a link (the topbar's quick actions): when the URL carries the search parameter `name`, start runs
 *  once and the parameter is removed from the URL (replacing the history entry), so a reload or Back does not start
 *  it again. A later link with the parameter starts it again. */
export function useStartParam(name: string, start: () => void) {
  const [params, setParams] = useSearchParams();
  const asked = params.has(name);
  const startRef = useRef(start);
  startRef.current = start;
  useEffect(() => {
    if (!asked) return;
    startRef.current();
    setParams((p) => {
      const next = new URLSearchParams(p);
      next.delete(name);
      return next;
    }, { replace: true });
  }, [asked, name, setParams]);
}
