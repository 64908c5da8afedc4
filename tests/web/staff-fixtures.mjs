// staff-fixtures.mjs - what the agent and admin browser tests share beyond
// run.mjs's fixtures. Not a test file itself (run.mjs picks up
// *.tests.mjs only).

/** Umbrella, an organization on the professional plan beside run.mjs's
 *  Acme (the staff tests' customers work there), made once a test by
 *  whichever of its helpers needs it first. */
export async function umbrella(ctx) {
  if (!ctx.state.umbrella)
    ctx.state.umbrella = await ctx.server.expect(201, 'POST', '/api/v1/orgs',
      { name: 'Umbrella', domains: ['umbrella.example'], plan: 'professional' }, ctx.fixtures.admin.token);
  return ctx.state.umbrella;
}
