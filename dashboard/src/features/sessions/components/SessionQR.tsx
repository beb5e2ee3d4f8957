import { QRCodeSVG } from 'qrcode.react';
import { useTranslation } from 'react-i18next';
import { ProgressSpinner } from 'primereact/progressspinner';
import { useSessionQR } from '../api/sessions';

/** The session's current QR code, rendered from the text the API gives; refetched while it rotates. */
export function SessionQR({ id, name }: { id: string; name: string }) {
  const { t } = useTranslation();
  const qr = useSessionQR(id, true);
  return (
    <div className="wq-qr">
      {qr.data?.qr ? (
        <>
          <QRCodeSVG value={qr.data.qr} size={224} level="L" role="img" aria-label={t('sessions.qrFor', { name })}
            data-qr={qr.data.qr} />
          <p className="wq-muted m-0 text-center">{t('sessions.scanHint')}</p>
        </>
      ) : (
        <>
          <ProgressSpinner style={{ width: 48, height: 48 }} />
          <span className="wq-muted">{t('sessions.qrLoading')}</span>
        </>
      )}
    </div>
  );
}
