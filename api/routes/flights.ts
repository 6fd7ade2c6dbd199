import { z } from 'zod';
import type { Services } from '../../pipeline/container.js';
import { ACCEPTED_CONTENT_TYPES } from '../../pipeline/domain/images.js';
import { route } from '../contract.js';
import {
  Crs,
  Cursor,
  decodeCursor,
  encodeCursor,
  FileName,
  GEOJSON_TYPE,
  GeoJsonCollection,
  Limit,
  Problem,
  problemResponses,
  Timestamp,
  Uuid,
} from '../schemas/common.js';
import { FLIGHT_EXAMPLE, IMAGE_EXAMPLE, OPEN_FLIGHT_EXAMPLE } from '../schemas/examples.js';
import {
  FLIGHT_GEOJSON_EXAMPLE,
  FLIGHT_STATUS_EXAMPLE,
  FLIGHTS_PAGE_EXAMPLE,
  QUEUED_IMAGE_EXAMPLE,
  UPLOAD_REJECTION_EXAMPLE,
  UPLOAD_REQUEST_EXAMPLE,
  UPLOAD_TICKETS_EXAMPLE,
} from '../schemas/flight-examples.js';
import {
  CreateFlight,
  Flight,
  FlightStatus,
  Image,
  UploadRejection,
  UploadRequest,
  UploadTicket,
} from '../schemas/resources.js';
import { toFlight, toImage, toUploadRejection } from '../serialize.js';

const problem = (description: string) => ({ description, schema: Problem, contentType: 'application/problem+json' });
const FlightParams = z.object({ flightId: Uuid }).strict();
const FlightImageParams = z.object({ flightId: Uuid, imageId: Uuid }).strict();
const FlightCursor = z.object({ createdAt: Timestamp, id: Uuid });
const ALL_ROLES = ['operator', 'reviewer', 'regulator', 'admin'] as const;

export function flightRoutes(services: Services) {
  return [
    route(
      {
        method: 'post',
        path: '/flights',
        summary: 'Create a flight to upload photos into',
        tags: ['flights'],
        roles: ['operator', 'admin'],
        body: CreateFlight,
        bodyExample: {
          name: OPEN_FLIGHT_EXAMPLE.name,
          siteName: OPEN_FLIGHT_EXAMPLE.siteName,
          notes: OPEN_FLIGHT_EXAMPLE.notes,
          regionCode: '410105',
        },
        responses: {
          201: { description: 'Created', schema: Flight, example: OPEN_FLIGHT_EXAMPLE },
          422: { description: 'A region outside yours' },
          ...problemResponses,
        },
      },
      async ({ body, principal }) => ({
        status: 201,
        body: toFlight(await services.ingest.createFlight(principal, body)),
      }),
    ),
    route(
      {
        method: 'get',
        path: '/flights',
        summary: 'List flights, newest first',
        tags: ['flights'],
        roles: ALL_ROLES,
        query: z.object({ limit: Limit, cursor: Cursor.optional() }).strict(),
        responses: {
          200: {
            description: 'A page of flights',
            schema: z.object({ items: z.array(Flight), nextCursor: z.string().nullable() }),
            example: FLIGHTS_PAGE_EXAMPLE,
          },
          ...problemResponses,
        },
      },
      async ({ query, principal }) => {
        const after = decodeCursor(query.cursor, FlightCursor);
        const rows = await services.flights.list(
          principal,
          query.limit + 1,
          after && { createdAt: new Date(after.createdAt), id: after.id },
        );
        const items = rows.slice(0, query.limit);
        const last = items.at(-1);
        return {
          status: 200,
          body: {
            items: items.map(toFlight),
            nextCursor:
              rows.length > query.limit && last
                ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id })
                : null,
          },
        };
      },
    ),
    route(
      {
        method: 'get',
        path: '/flights/:flightId',
        summary:
          'Flight status: image counts per state, failures with reasons, detections per class. Poll it with If-None-Match: an unchanged status answers 304',
        tags: ['flights'],
        roles: ALL_ROLES,
        conditional: true,
        params: FlightParams,
        responses: {
          200: { description: 'Status, with an ETag', schema: FlightStatus, example: FLIGHT_STATUS_EXAMPLE },
          304: { description: 'Unchanged since the ETag given in If-None-Match' },
          404: { description: 'No such flight' },
          ...problemResponses,
        },
      },
      /*
       * The live flight page polls this with If-None-Match rather than holding a server-sent event
       * stream open: polling passes through every proxy and load balancer unchanged (SSE needs
       * buffering turned off and long idle timeouts at each hop), keeps no connection or
       * subscription per open page on a small server, and needs nothing to publish changes, since
       * photos change state in the worker, which may be another process. The ETag is a hash of the
       * answer (`conditional`), so an unchanged status is a 304 without a body; `no-cache` makes
       * every cache on the way ask again rather than serve an old count.
       */
      async ({ params, principal }) => {
        const s = await services.flights.status(principal, params.flightId);
        return {
          status: 200,
          headers: { 'cache-control': 'private, no-cache' },
          body: {
            ...s,
            flight: toFlight(s.flight),
            rejectedUploads: s.rejectedUploads.map(toUploadRejection),
            failures: s.failures.map((f) => ({ ...f, discardedAt: f.discardedAt?.toISOString() ?? null })),
            flaggedImages: s.flaggedImages.map((f) => ({
              ...f,
              hold: f.hold && { ...f.hold, decidedAt: f.hold.decidedAt?.toISOString() ?? null },
            })),
          },
        };
      },
    ),
    route(
      {
        method: 'get',
        path: '/flights/:flightId/geojson',
        summary: 'The flight on a map: photo footprints, the track, and detections placed on the ground (GeoJSON)',
        tags: ['flights', 'geo'],
        roles: ALL_ROLES,
        params: FlightParams,
        query: z.object({ crs: Crs }).strict(),
        responses: {
          200: {
            description: 'FeatureCollection',
            schema: GeoJsonCollection,
            contentType: GEOJSON_TYPE,
            example: FLIGHT_GEOJSON_EXAMPLE,
          },
          404: { description: 'No such flight' },
          ...problemResponses,
        },
      },
      async ({ params, query, principal }) => ({
        status: 200,
        headers: { 'content-type': GEOJSON_TYPE },
        body: await services.flights.geojson(principal, params.flightId, { crs: query.crs }),
      }),
    ),
    route(
      {
        method: 'get',
        path: '/flights/:flightId/images',
        summary: 'Images of a flight',
        tags: ['flights'],
        roles: ALL_ROLES,
        params: FlightParams,
        responses: {
          200: {
            description: 'Images',
            schema: z.object({ items: z.array(Image) }),
            example: { items: [IMAGE_EXAMPLE] },
          },
          404: { description: 'No such flight' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => ({
        status: 200,
        body: { items: (await services.flights.images(principal, params.flightId)).map(toImage) },
      }),
    ),
    route(
      {
        method: 'post',
        path: '/flights/:flightId/uploads',
        summary:
          'Get short-lived presigned PUT URLs for photos (content-addressed by sha256). Send every header of the ticket: x-amz-checksum-sha256 is signed into the URL, and only the bytes with that hash become a photo',
        tags: ['flights'],
        roles: ['operator', 'admin'],
        params: FlightParams,
        body: UploadRequest,
        bodyExample: UPLOAD_REQUEST_EXAMPLE,
        responses: {
          200: {
            description: 'One ticket per file',
            schema: z.object({ uploads: z.array(UploadTicket) }),
            example: UPLOAD_TICKETS_EXAMPLE,
          },
          404: { description: 'No such flight' },
          409: { description: 'Flight completed' },
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => ({
        status: 200,
        body: { uploads: await services.ingest.presignUploads(principal, params.flightId, body.files) },
      }),
    ),
    route(
      {
        method: 'put',
        path: '/flights/:flightId/images/:filename',
        summary: 'Upload one photo through the API (the body is the JPEG)',
        tags: ['flights'],
        roles: ['operator', 'admin'],
        params: z.object({ flightId: Uuid, filename: FileName }).strict(),
        body: 'binary',
        binaryTypes: ACCEPTED_CONTENT_TYPES,
        responses: {
          201: {
            description: 'Stored and queued',
            schema: z.object({ image: Image, created: z.literal(true) }),
            example: { image: QUEUED_IMAGE_EXAMPLE, created: true },
          },
          200: {
            description: 'These bytes were already in this flight',
            schema: z.object({ image: Image, created: z.literal(false) }),
            example: { image: IMAGE_EXAMPLE, created: false },
          },
          404: { description: 'No such flight' },
          409: { description: 'Flight completed' },
          413: { description: 'Too large' },
          415: { description: 'Not a JPEG: the declared type, the bytes (FF D8 FF) or the decoder says otherwise' },
          ...problemResponses,
        },
      },
      async ({ params, raw, contentType, principal }) => {
        const { image, created } = await services.ingest.upload(
          principal,
          params.flightId,
          params.filename,
          raw!,
          contentType!,
        );
        return { status: created ? 201 : 200, body: { image: toImage(image), created } };
      },
    ),
    route(
      {
        method: 'post',
        path: '/flights/:flightId/images/:imageId/retry',
        summary: 'Put a failed photo of the flight back in the queue, with its automatic retries restored (audited)',
        tags: ['flights'],
        roles: ['operator', 'admin'],
        params: FlightImageParams,
        responses: {
          202: { description: 'Queued again; the flight status follows it' },
          404: problem('No such photo in this flight, or no such flight of yours'),
          409: problem('The photo is not failed (any more)'),
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        await services.operations.retry(principal, params.imageId, params.flightId);
        return { status: 202 };
      },
    ),
    route(
      {
        method: 'post',
        path: '/flights/:flightId/retry-failed',
        summary:
          'Put every failed photo of the flight back in the queue, except those a person removed (audited per photo)',
        tags: ['flights'],
        roles: ['operator', 'admin'],
        params: FlightParams,
        responses: {
          200: {
            description: 'How many were queued again, and how many were left as removed',
            schema: z.object({ retried: z.number().int(), leftDiscarded: z.number().int() }),
            example: { retried: 3, leftDiscarded: 1 },
          },
          404: problem('No such flight'),
          ...problemResponses,
        },
      },
      async ({ params, principal }) => ({
        status: 200,
        body: await services.operations.retryAll(principal, params.flightId),
      }),
    ),
    route(
      {
        method: 'post',
        path: '/flights/:flightId/images/:imageId/discard',
        summary:
          'Remove a failed photo from the flight’s work: it stays failed, no automatic retry and no "retry all" touches it (audited)',
        tags: ['flights'],
        roles: ['operator', 'admin'],
        params: FlightImageParams,
        body: z.object({ note: z.string().trim().max(500).optional() }).strict(),
        bodyExample: { note: '同一位置已由0172号照片覆盖 (the same spot is covered by photo 0172)' },
        responses: {
          204: { description: 'Removed; it stays listed as failed' },
          404: problem('No such photo in this flight, or no such flight of yours'),
          409: problem('The photo is not failed (any more)'),
          ...problemResponses,
        },
      },
      async ({ params, body, principal }) => {
        await services.operations.discard(principal, params.imageId, body.note, params.flightId);
        return { status: 204 };
      },
    ),
    route(
      {
        method: 'post',
        path: '/flights/:flightId/complete',
        summary: 'Mark the upload finished; registers any uploaded object not yet known',
        tags: ['flights'],
        roles: ['operator', 'admin'],
        params: FlightParams,
        responses: {
          200: {
            description: 'Completed',
            schema: z.object({
              flight: Flight,
              registered: z.number().int(),
              rejected: z
                .array(UploadRejection)
                .describe(
                  'Uploads that were not the photo asked for (another body, or cut short): deleted, not images',
                ),
            }),
            example: { flight: FLIGHT_EXAMPLE, registered: 2, rejected: [UPLOAD_REJECTION_EXAMPLE] },
          },
          404: { description: 'No such flight' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        const { flight, registered, rejected } = await services.ingest.completeFlight(principal, params.flightId);
        return {
          status: 200,
          body: { flight: toFlight(flight), registered, rejected: rejected.map(toUploadRejection) },
        };
      },
    ),
  ];
}
