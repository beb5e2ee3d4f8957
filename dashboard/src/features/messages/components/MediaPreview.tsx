import { useTranslation } from 'react-i18next';
import { Button } from 'primereact/button';
import { Image } from 'primereact/image';
import { Skeleton } from 'primereact/skeleton';
import { useMediaFile, type Message } from '../api/messages';

const icons: Record<string, string> = {
  image: 'pi pi-image', sticker: 'pi pi-image', video: 'pi pi-video', audio: 'pi pi-volume-up', voice: 'pi pi-microphone',
  document: 'pi pi-file', location: 'pi pi-map-marker', contact: 'pi pi-id-card', poll: 'pi pi-chart-bar',
  reaction: 'pi pi-heart', buttons: 'pi pi-th-large', list: 'pi pi-list', text: 'pi pi-comment',
};
export const typeIcon = (type?: string) => icons[type ?? ''] ?? 'pi pi-question-circle';

/** A message's media: images, stickers, video and audio play inline (loaded with the token); other files can be
 *  opened. Nothing is loaded for messages without a stored file. */
export function MediaPreview({ m }: { m: Message }) {
  const { t } = useTranslation();
  const kind = m.media?.kind;
  const stored = !!m.media?.url;
  const file = useMediaFile(m.messageId, stored);
  if (!m.media) return null;
  if (!stored) return <span className="wq-muted">{t('messages.mediaNotStored')}</span>;
  if (file.isError) return <span className="wq-muted">{t('messages.mediaUnavailable')}</span>;
  if (!file.url) return <Skeleton width="4rem" height="4rem" />;
  const name = m.media.fileName || t(`messages.type.${kind ?? 'document'}`);
  switch (kind) {
    case 'image':
    case 'sticker':
      return <Image src={file.url} alt={m.body || name} preview width="64" className="wq-media-thumb" data-testid="media-image" />;
    case 'video':
      return <video src={file.url} controls className="wq-media-video" aria-label={name} />;
    case 'audio':
    case 'voice':
      return <audio src={file.url} controls aria-label={name} />;
    default:
      return (
        <a href={file.url} download={m.media.fileName || undefined}>
          <Button type="button" size="small" text icon="pi pi-download" label={name} tabIndex={-1} />
        </a>
      );
  }
}
