import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { route } from '../contract.js';
import { Problem, problemResponses } from '../schemas/common.js';
import { ClassChange, ModelClassState, ModelState, toModelClassState, toModelState } from '../schemas/models.js';

const ALL_ROLES = ['operator', 'reviewer', 'regulator', 'admin'] as const;
const problem = (description: string) => ({ description, schema: Problem, contentType: 'application/problem+json' });

// Examples for the API document (test/contract/openapi.test.ts checks them against the schemas).
const OVERRIDDEN_CLASS_EXAMPLE = {
  name: 'blocked_exit',
  hazardCode: 'EGRESS-BLOCKED-EXIT',
  severity: 'major' as const,
  threshold: 0.5,
  enabledByDefault: false,
  disabledReason: 'trained on generated images only (no licensed real training photos); 0 real test instances',
  live: true,
  decidedBy: 'override' as const,
  override: {
    enabled: true,
    note: 'Trial on the Jinshui district flights, reviewed weekly',
    changedBy: { userId: '5b0c7a52-3f0e-4c59-9d7a-2f1e8c4b6a10', name: 'Zhang Min' },
    changedAt: '2026-03-02T08:15:00.000Z',
  },
};
const MODEL_STATE_EXAMPLE = {
  name: 'hazard-v2',
  version: '2.0.0',
  file: 'model.onnx',
  sha256: '1795547a97ded2b8ebca704b0cc7666f72d4827daf0673b31a3c54a7cb8cb6d5',
  active: true,
  classes: [
    {
      name: 'fire',
      hazardCode: 'FIRE-OPEN-FLAME',
      severity: 'major' as const,
      threshold: 0.125,
      enabledByDefault: true,
      disabledReason: null,
      live: true,
      decidedBy: 'manifest' as const,
      override: null,
    },
    OVERRIDDEN_CLASS_EXAMPLE,
  ],
};

export function modelRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/models',
        operationId: 'listModels',
        summary:
          'The detection models with every class: hazard, threshold, whether it ships enabled and why not, and whether it is live for your organisation',
        tags: ['models'],
        roles: ALL_ROLES,
        responses: {
          200: {
            description: 'The models, the active one first',
            schema: z.object({ items: z.array(ModelState) }),
            example: { items: [MODEL_STATE_EXAMPLE] },
          },
          ...problemResponses,
        },
      },
      async ({ principal }) => ({
        status: 200,
        body: { items: (await services.modelClasses.models(principal)).map(toModelState) },
      }),
    ),
    route(
      {
        method: 'put',
        path: '/models/:model/classes/:class',
        operationId: 'setModelClass',
        summary:
          'Enable or disable a class for your organisation, with a note (audited); the next merge of a flight follows it',
        tags: ['models'],
        roles: ['admin'],
        params: z.object({ model: z.string().min(1).max(200), class: z.string().min(1).max(200) }).strict(),
        body: ClassChange,
        bodyExample: { enabled: true, note: 'Trial on the Jinshui district flights, reviewed weekly' },
        responses: {
          200: {
            description: 'The class as your organisation now has it',
            schema: ModelClassState,
            example: OVERRIDDEN_CLASS_EXAMPLE,
          },
          404: problem('No such model or class'),
          422: problem('A class that flags no hazard cannot be enabled'),
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => ({
        status: 200,
        body: toModelClassState(await services.modelClasses.setEnabled(principal, params.model, params.class, body)),
      }),
    ),
  ];
}
