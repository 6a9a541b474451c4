# One image for the panel and the daemon; docker-compose.yml picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
COPY scripts/generate.ts scripts/generate.ts
COPY prisma prisma
COPY prisma.config.ts ./
RUN npm ci --include=dev
COPY . .
RUN npm run build
EXPOSE 3000 25 465 587 993 995
CMD ["npx", "tsx", "scripts/start.ts"]
