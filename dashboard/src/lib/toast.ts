import type { Toast } from 'primereact/toast';
import type { RefObject } from 'react';
import i18n from './i18n';
import { ApiError } from './api/errors';

let ref: RefObject<Toast | null> | null = null;
export function registerToast(r: RefObject<Toast | null>) {
  ref = r;
}

/** Shows an API error as the API phrased it (its message and code), or a network failure. */
export function toastError(err: unknown) {
  const detail = err instanceof ApiError ? `${err.message} (${err.code})` : i18n.t('errors.network');
  ref?.current?.show({ severity: 'error', summary: i18n.t('errors.title'), detail, life: 6000 });
}

export function toastSuccess(summary: string) {
  ref?.current?.show({ severity: 'success', summary, life: 3000 });
}
