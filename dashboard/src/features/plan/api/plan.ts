import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

export type Feature = components['schemas']['Feature'];
export type PlanStatus = components['schemas']['PlanStatus'];

export const planKeys = { all: ['plan'] as const };

/** The tenant's plan and which premium features it may use (GET /api/plan). */
export const planQuery = () =>
  queryOptions({ queryKey: planKeys.all, queryFn: async () => unwrap(api.GET('/api/plan')) });

export const usePlan = () => useQuery(planQuery());

/** Whether a feature is unlocked; undefined while the plan is loading. */
export function isUnlocked(plan: PlanStatus | undefined, feature: Feature): boolean | undefined {
  if (!plan) return undefined;
  return plan.features.some((f) => f.feature === feature && f.unlocked);
}

/** Redeems an access code; the plan is refetched from the server afterwards (never trusted from the answer alone). */
export function useRedeem() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (code: string) => unwrap(api.POST('/api/plan/redeem', { body: { code } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: planKeys.all }),
    meta: { silent: true },
  });
}
