// Store fragment administration: rotation starts a new generation; old ones stay for reads until re-wrapped.
import type { FastifyInstance } from 'fastify';
import { auditedWrite, requireSystem, type StoreContext } from './context.js';

export function registerFragmentRoutes(app: FastifyInstance, ctx: StoreContext): void {
  const list = async () => {
    await ctx.fragments.refresh(ctx.storage);
    const created = new Map((await ctx.storage.listGenerations()).map((g) => [g.generation, g.createdAt]));
    return { active: ctx.fragments.activeGeneration, generations: ctx.fragments.generations(created) };
  };

  app.post('/v1/fragment/rotate', { config: { action: 'fragment.rotate' } }, async (request) => {
    await requireSystem(ctx, request, 'fragment');
    const generation = await auditedWrite(ctx, request, 200, (tx) => ctx.fragments.rotate(tx));
    // Only now, committed, does the new generation become the active one.
    await ctx.fragments.refresh(ctx.storage);
    return { generation };
  });

  app.get('/v1/fragment/generations', { config: { action: 'fragment.list' } }, async (request) => {
    await requireSystem(ctx, request, 'fragment');
    return list();
  });
}
