import { useTranslation } from 'react-i18next';
import { Message as Notice } from 'primereact/message';
import { ApiError, fieldErrors } from '@/lib/api/errors';

/** The error of a form that is not about one of its fields (fields show theirs next to them). */
export function FormError({ error, fields }: { error: unknown; fields: string[] }) {
  const { t } = useTranslation();
  if (!error) return null;
  const f = fieldErrors(error);
  if (fields.some((name) => f[name])) return null;
  const text = error instanceof ApiError ? `${error.message} (${error.code})` : t('errors.network');
  return <Notice severity="error" className="w-full mb-3" text={text} />;
}
