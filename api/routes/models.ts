import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { route } from '../contract.js';
import { Problem, problemResponses } from '../schemas/common.js';
import { ClassChange, ModelClassState, ModelState, toModelClassState, toModelState } from '../schemas/models.js';

const ALL_ROLES = ['operator', 'reviewer', 'regulator', 'admin'] as const;
const problem = (description: string) => ({ description, schema: Problem, contentType: 'application/problem+json' });

export function modelRoutes(services: Services) {
  return [
    route(
      {
        method: 'get',
        path: '/models',
        summary:
          'The detection models with every class: hazard, threshold, whether it ships enabled and why not, and whether it is live for your organisation',
        tags: ['models'],
        roles: ALL_ROLES,
        responses: {
          200: { description: 'The models, the active one first', schema: z.object({ items: z.array(ModelState) }) },
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
        summary:
          'Enable or disable a class for your organisation, with a note (audited); the next merge of a flight follows it',
        tags: ['models'],
        roles: ['admin'],
        params: z.object({ model: z.string().min(1).max(200), class: z.string().min(1).max(200) }).strict(),
        body: ClassChange,
        responses: {
          200: { description: 'The class as your organisation now has it', schema: ModelClassState },
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
