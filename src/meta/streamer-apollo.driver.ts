import { ApolloServer, BaseContext, HeaderMap } from '@apollo/server';
import type { ApolloServerOptions, HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { Injectable } from '@nestjs/common';
import { ApolloDriver } from '@nestjs/apollo';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';

type ContextFn = (arg: { req: Request; res: Response }) => Promise<BaseContext>;

/**
 * Nest's Apollo driver, serving Apollo Server 5 on Express through the integration API Apollo
 * documents for frameworks (`executeHTTPGraphQLRequest`), instead of loading the separate
 * `@as-integrations/express5` package the stock driver requires. Everything else (schema,
 * plugins, error formatting, landing page) is the stock driver's.
 */
@Injectable()
export class StreamerApolloDriver extends ApolloDriver {
  protected override async registerExpress(options: ApolloDriverConfig): Promise<void> {
    const httpAdapter = this.httpAdapterHost.httpAdapter;
    const path = options.path ?? '/graphql';
    const server = new ApolloServer<BaseContext>({
      ...(options as ApolloServerOptions<BaseContext>),
      plugins: [
        ...(options.plugins ?? []),
        ApolloServerPluginDrainHttpServer({ httpServer: httpAdapter.getHttpServer() as Server }),
      ],
    });
    await server.start();
    const context = (options.context ?? (async () => ({}))) as ContextFn;
    httpAdapter.use(path, expressHandler(server, context));
    this.apolloServer = server;
  }
}

/** Express request -> Apollo's HTTPGraphQLRequest, and Apollo's response back. */
function expressHandler(server: ApolloServer<BaseContext>, context: ContextFn) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const query = req.url.indexOf('?');
    const request: HTTPGraphQLRequest = {
      method: req.method.toUpperCase(),
      headers,
      search: query < 0 ? '' : req.url.slice(query),
      // body-parser leaves no body on GET and on types it does not parse; Apollo then answers 400.
      body: (req.body as unknown) ?? {},
    };
    server
      .executeHTTPGraphQLRequest({
        httpGraphQLRequest: request,
        context: () => context({ req, res }),
      })
      .then(async (response) => {
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') {
          res.end(response.body.string);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      })
      .catch(next);
  };
}
