import { act, render, screen } from '@testing-library/react';
import i18n from '@/lib/i18n';
import { useLive } from '@/stores/live';
import { LiveStatus } from './LiveStatus';

describe('LiveStatus', () => {
  afterEach(async () => {
    useLive.setState({ state: 'closed', latencyMs: null, attempt: 0 }, true);
    await act(() => i18n.changeLanguage('en'));
  });

  it('shows each state of the feed, the latency once measured, in English and Arabic', async () => {
    await act(() => i18n.changeLanguage('en'));
    render(<LiveStatus />);
    const tag = () => screen.getByRole('status');
    expect(tag()).toHaveAccessibleName('Live updates: Offline');
    expect(tag()).toHaveAttribute('data-state', 'closed');
    act(() => useLive.setState({ state: 'connecting', latencyMs: null, attempt: 0 }));
    expect(tag()).toHaveAccessibleName('Live updates: Connecting…');
    act(() => useLive.setState({ state: 'open', latencyMs: null, attempt: 0 }));
    expect(tag()).toHaveAccessibleName('Live updates: Live');
    act(() => useLive.setState({ state: 'open', latencyMs: 12.4, attempt: 0 }));
    expect(tag()).toHaveAccessibleName('Live updates: Live · 12 ms');
    expect(tag()).toHaveTextContent('Live · 12 ms');
    act(() => useLive.setState({ state: 'reconnecting', latencyMs: null, attempt: 2 }));
    expect(tag()).toHaveAccessibleName('Live updates: Reconnecting…');
    expect(tag()).toHaveAttribute('data-state', 'reconnecting');
    act(() => useLive.setState({ state: 'open', latencyMs: 12, attempt: 0 }));
    await act(() => i18n.changeLanguage('ar'));
    expect(tag()).toHaveAccessibleName('التحديثات المباشرة: مباشر · 12 مللي ثانية');
  });
});
