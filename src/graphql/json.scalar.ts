import { GraphQLJSON } from 'graphql-type-json';

/**
 * The `JSON` scalar: any JSON value, written inline in a query (`meta: {format: "mp4"}`) or passed
 * as a variable. Used for stream metadata and for subscription payloads parsed as JSON.
 */
export const JSONScalar = GraphQLJSON;
