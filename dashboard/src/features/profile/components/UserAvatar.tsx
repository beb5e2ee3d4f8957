import { useEffect, useState } from 'react';
import { Avatar, type AvatarProps } from 'primereact/avatar';
import { gravatarUrl } from '@/lib/md5';
import { useAvatarImage, type User } from '../api/profile';

/** Which picture a user's avatar shows: the uploaded image, else their Gravatar when they opted in, else the
 *  initial of their name (or email) on a circle. */
export function avatarSource(user: Pick<User, 'name' | 'email' | 'gravatar' | 'avatarUpdatedAt'> | null | undefined,
  uploadedUrl: string | null, gravatarFailed: boolean): { kind: 'image' | 'gravatar' | 'initial'; src?: string; initial: string } {
  const name = (user?.name || user?.email || '').trim();
  const initial = name.charAt(0).toUpperCase() || '?';
  if (user?.avatarUpdatedAt && uploadedUrl) return { kind: 'image', src: uploadedUrl, initial };
  if (user?.gravatar && user.email && !gravatarFailed) return { kind: 'gravatar', src: gravatarUrl(user.email, 96), initial };
  return { kind: 'initial', initial };
}

export function UserAvatar({ user, size, className, children }: {
  user: User | null | undefined; size?: AvatarProps['size']; className?: string;
  /** Drawn over the avatar, e.g. the unread-notifications badge. */
  children?: React.ReactNode;
}) {
  const uploaded = useAvatarImage(user?.id, user?.avatarUpdatedAt);
  const [gravatarFailed, setGravatarFailed] = useState(false);
  useEffect(() => setGravatarFailed(false), [user?.email, user?.gravatar]);
  const src = avatarSource(user, uploaded, gravatarFailed);
  const cls = ['wq-user-avatar', className].filter(Boolean).join(' ');
  if (src.kind === 'initial') {
    return <Avatar label={src.initial} shape="circle" size={size} className={cls} data-avatar="initial">{children}</Avatar>;
  }
  return (
    <Avatar image={src.src} shape="circle" size={size} className={cls} data-avatar={src.kind}
      imageAlt="" onImageError={() => setGravatarFailed(true)}>{children}</Avatar>
  );
}
