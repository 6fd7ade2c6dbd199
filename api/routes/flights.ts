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
  problemResponses,
  Timestamp,
  Uuid,
} from '../schemas/common.js';
import { CreateFlight, Flight, FlightStatus, Image, UploadRequest, UploadTicket } from '../schemas/resources.js';
import { toFlight, toImage } from '../serialize.js';

const FlightParams = z.object({ flightId: Uuid }).strict();
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
        responses: {
          201: { description: 'Created', schema: Flight },
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
        summary: 'Flight status: image counts per state, failures with reasons, detections per class',
        tags: ['flights'],
        roles: ALL_ROLES,
        params: FlightParams,
        responses: {
          200: { description: 'Status', schema: FlightStatus },
          404: { description: 'No such flight' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        const s = await services.flights.status(principal, params.flightId);
        return { status: 200, body: { ...s, flight: toFlight(s.flight) } };
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
          200: { description: 'FeatureCollection', schema: GeoJsonCollection, contentType: GEOJSON_TYPE },
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
          200: { description: 'Images', schema: z.object({ items: z.array(Image) }) },
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
        summary: 'Get short-lived presigned PUT URLs for photos (content-addressed by sha256)',
        tags: ['flights'],
        roles: ['operator', 'admin'],
        params: FlightParams,
        body: UploadRequest,
        responses: {
          200: { description: 'One ticket per file', schema: z.object({ uploads: z.array(UploadTicket) }) },
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
          201: { description: 'Stored and queued', schema: z.object({ image: Image, created: z.literal(true) }) },
          200: {
            description: 'These bytes were already in this flight',
            schema: z.object({ image: Image, created: z.literal(false) }),
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
        path: '/flights/:flightId/complete',
        summary: 'Mark the upload finished; registers any uploaded object not yet known',
        tags: ['flights'],
        roles: ['operator', 'admin'],
        params: FlightParams,
        responses: {
          200: { description: 'Completed', schema: z.object({ flight: Flight, registered: z.number().int() }) },
          404: { description: 'No such flight' },
          ...problemResponses,
        },
      },
      async ({ params, principal }) => {
        const { flight, registered } = await services.ingest.completeFlight(principal, params.flightId);
        return { status: 200, body: { flight: toFlight(flight), registered } };
      },
    ),
  ];
}
