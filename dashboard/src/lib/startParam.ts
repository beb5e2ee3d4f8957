import { useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router-dom';

/** A page started by a link (the topbar's quick actions): when the URL carries the search parameter `name`, it is
 *  removed from the URL (replacing the history entry, so a reload or Back does not start it again), and once the URL
 *  no longer has it, start runs, once. A later link with the parameter starts it again.
 *  (Starting only after the router has settled on the clean URL keeps the dialog's opening transition out of the
 *  router's navigation: opened during it, a PrimeReact Dialog was at times left half-open.) */
export function useStartParam(name: string, start: () => void) {
  const [params, setParams] = useSearchParams();
  const asked = params.has(name);
  const startRef = useRef(start);
  startRef.current = start;
  const pending = useRef(false);
  useEffect(() => {
    if (asked) {
      pending.current = true;
      setParams((p) => {
        const next = new URLSearchParams(p);
        next.delete(name);
        return next;
      }, { replace: true });
      return;
    }
    if (pending.current) {
      pending.current = false;
      startRef.current();
    }
  }, [asked, name, setParams]);
}
