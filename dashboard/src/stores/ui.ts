import { create } from 'zustand';
import { persist } from 'zustand/middleware';

export type Theme = 'light' | 'dark';
export type Language = 'en' | 'ar';

/** The tenant's branding as the shell shows it: a mirror of GET /api/tenant/branding (the server is the source). */
export interface ShellBranding {
  appName: string;
  logoText: string;
  showLogoText: boolean;
  /** The API path of the logo (versioned by its digest), or null. */
  logoUrl: string | null;
}

export const defaultBranding: ShellBranding = { appName: 'WaQtor', logoText: '', showLogoText: true, logoUrl: null };

interface UIState {
  theme: Theme;
  language: Language;
  sidebarOpen: boolean;
  branding: ShellBranding;
  /** Opt-in: a short sound when a notification arrives. */
  notificationSound: boolean;
  /** Opt-in: a desktop notification (the browser asks for permission) when a notification arrives. */
  notificationDesktop: boolean;
  setTheme: (t: Theme) => void;
  setLanguage: (l: Language) => void;
  toggleSidebar: () => void;
  setBranding: (b: ShellBranding) => void;
  setNotificationSound: (on: boolean) => void;
  setNotificationDesktop: (on: boolean) => void;
}

/** UI preferences, persisted to localStorage. */
export const useUI = create<UIState>()(
  persist(
    (set) => ({
      theme: 'light',
      language: 'en',
      sidebarOpen: true,
      branding: defaultBranding,
      notificationSound: false,
      notificationDesktop: false,
      setTheme: (theme) => set({ theme }),
      setLanguage: (language) => set({ language }),
      toggleSidebar: () => set((s) => ({ sidebarOpen: !s.sidebarOpen })),
      setBranding: (branding) => set({ branding }),
      setNotificationSound: (notificationSound) => set({ notificationSound }),
      setNotificationDesktop: (notificationDesktop) => set({ notificationDesktop }),
    }),
    { name: 'waqtor-ui' },
  ),
);
