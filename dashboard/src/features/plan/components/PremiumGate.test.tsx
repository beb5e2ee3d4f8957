import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient } from '@tanstack/react-query';
import { AppProvider } from '@/app/provider';
import { PremiumGate } from './PremiumGate';

const plan = (unlocked: boolean) => ({ gating: true, plan: 'free', features: [
  { feature: 'campaigns', unlocked: false }, { feature: 'reports', unlocked, ...(unlocked ? { source: 'code' } : {}) },
  { feature: 'interactive', unlocked: false }] });

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('PremiumGate', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('blocks a locked page, redeems the masked code, and shows the page once the server says it is unlocked', async () => {
    let unlocked = false;
    const redeemed: unknown[] = [];
    let redeemCalls = 0;
    vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      if (url.pathname === '/api/plan') return json(200, plan(unlocked));
      if (url.pathname === '/api/plan/redeem') {
        redeemCalls++;
        redeemed.push(await req.json());
        if (redeemCalls === 1) {
          return json(422, { error: { code: 'validation_failed', message: 'code: is not a valid access code for this account',
            details: { fields: [{ field: 'code', message: 'is not a valid access code for this account' }] } } });
        }
        unlocked = true;
        return json(200, { unlocked: 'reports', plan: plan(true) });
      }
      return json(404, { error: { code: 'not_found', message: 'no route', details: {} } });
    }));
    const user = userEvent.setup();
    render(<AppProvider queryClient={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <PremiumGate feature="reports"><p>the report</p></PremiumGate>
    </AppProvider>);

    expect(await screen.findByText('Premium feature')).toBeInTheDocument();
    expect(screen.queryByText('the report')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Enter access code' }));
    await screen.findByRole('button', { name: 'Verify' });
    const inputs = Array.from(document.querySelectorAll<HTMLInputElement>('.p-inputotp input'));
    expect(inputs).toHaveLength(12);
    const verify = screen.getByRole('button', { name: 'Verify' });
    expect(verify).toBeDisabled();

    // A wrong code: the API's message is shown, the page stays locked.
    await user.click(inputs[0]!);
    await user.paste('WRONGWRONG12');
    expect(inputs[0]).toHaveAttribute('type', 'password'); // masked
    await user.click(verify);
    expect(await screen.findByText('is not a valid access code for this account')).toBeInTheDocument();
    expect(screen.queryByText('the report')).not.toBeInTheDocument();

    // The right code: the plan is fetched again and the page appears.
    await user.click(inputs[0]!);
    await user.paste('7k2m9qxd4htb');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(screen.getByText('the report')).toBeInTheDocument());
    expect(redeemed).toEqual([{ code: 'WRONGWRONG12' }, { code: '7K2M9QXD4HTB' }]);
  }, 30000);

  it('shows the page at once when the feature is unlocked', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(200, plan(true))));
    render(<AppProvider queryClient={new QueryClient()}><PremiumGate feature="reports"><p>the report</p></PremiumGate></AppProvider>);
    expect(await screen.findByText('the report')).toBeInTheDocument();
    expect(screen.queryByText('Premium feature')).not.toBeInTheDocument();
  });
});
