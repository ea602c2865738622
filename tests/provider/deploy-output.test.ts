import { describe, expect, it } from "vitest";
import { parseDeployOutput } from "../../infra/provider/deploy-output";

describe("modal deploy output parsing", () => {
  it("reads the modal 1.6.4 tree (URL on its own row under the web function)", () => {
    const out = [
      "✓ Initialized. View run at https://modal.com/apps/ws/main/ap-x",
      "✓ Created objects.",
      "├── ✓ Created mount /tmp/x/coder.py",
      "├── ✓ Created function download_weights.",
      "└── ✓ Created web function serve",
      "    └── https://ws--qcm-coder-serve.modal.run 🔑",
      "✓ App deployed in 12.345s! 🎉",
      "",
      "View Deployment: https://modal.com/apps/ws/main/deployed/qcm-coder",
    ].join("\n");
    expect(parseDeployOutput(out)).toEqual({ urls: { serve: "https://ws--qcm-coder-serve.modal.run" }, skipped: false, confirmed: true });
  });

  it("reads the older single-row form and a label Modal marked", () => {
    const out = "🔨 Created web function serve => https://ws--qcm-vlm-serve.modal.run 🔑 (label stolen)\n✓ App deployed in 3.2s! 🎉";
    expect(parseDeployOutput(out).urls).toEqual({ serve: "https://ws--qcm-vlm-serve.modal.run" });
  });

  it("reads a web function row holding another domain's URL (custom domain; the stand-in's local vLLM), not the View Deployment link", () => {
    const out = [
      "✓ Created objects.",
      "└── ✓ Created web function serve",
      "    └── https://coder.example.com 🔑",
      "✓ App deployed in 1.0s! 🎉",
      "",
      "View Deployment: https://modal.com/apps/ws/main/deployed/qcm-coder",
    ].join("\n");
    expect(parseDeployOutput(out).urls).toEqual({ serve: "https://coder.example.com" });
    expect(parseDeployOutput(out.replace("https://coder.example.com", "http://127.0.0.1:4321")).urls).toEqual({ serve: "http://127.0.0.1:4321" });
    expect(parseDeployOutput("✓ Created objects.\n└── ✓ Created web function serve\n✓ App deployed in 1.0s! 🎉\n\nView Deployment: https://modal.com/apps/x").urls).toEqual({});
  });

  it("reads a class's web method row (memory-snapshot mode)", () => {
    const out = "✓ Created objects.\n└── ✓ Created function Server.*.\n    └── serve -> https://ws--qcm-coder-server-serve.modal.run 🔑\n✓ App deployed in 9.0s! 🎉";
    expect(parseDeployOutput(out).urls).toEqual({ serve: "https://ws--qcm-coder-server-serve.modal.run" });
  });

  it("reads every web function of an image-edit app (ASGI apps, one without proxy auth)", () => {
    const out = [
      "✓ Created objects.",
      "├── ✓ Created function Editor.*.",
      "├── ✓ Created function cleanup.",
      "├── ✓ Created web function serve",
      "│   └── https://ws--qcm-image-edit-serve.modal.run 🔑",
      "└── ✓ Created web function images",
      "    └── https://ws--qcm-image-edit-images.modal.run (unauthenticated)",
      "✓ App deployed in 20.1s! 🎉",
    ].join("\n");
    expect(parseDeployOutput(out).urls).toEqual({ serve: "https://ws--qcm-image-edit-serve.modal.run", images: "https://ws--qcm-image-edit-images.modal.run" });
  });

  it("knows a skipped deploy from an unconfirmed one", () => {
    expect(parseDeployOutput("✓ Deployment skipped: no changes detected! ⏭️")).toMatchObject({ skipped: true, confirmed: true });
    expect(parseDeployOutput("✓ Created objects.\nTraceback (most recent call last):")).toMatchObject({ skipped: false, confirmed: false, urls: {} });
  });
});
