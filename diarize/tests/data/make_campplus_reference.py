# Regenerates campplus_reference.json: CAM++ embeddings from 3D-Speaker's PyTorch code.
# Needs torch (PyPI wheel), 3D-Speaker's speakerlab/models/campplus/{DTDNN,layers}.py and
# torchaudio's compliance/kaldi.py (with its `import torchaudio` line removed) in REF_DIR.
# Usage: REF_DIR=... python make_campplus_reference.py MODEL.pt OUT.json
import sys, json, math
import torch
import os; sys.path.insert(0, os.environ.get('REF_DIR', '.'))
import kaldi
from DTDNN import CAMPPlus

def signal(n, seed):
    s = seed
    out = []
    for i in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        noise = (s >> 33) / 2.0**31 - 0.5
        t = i / 16000.0
        f0 = 110.0 + 40.0 * math.sin(2 * math.pi * 0.7 * t)
        v = 0.0
        for h in range(1, 12):
            v += math.sin(2 * math.pi * f0 * h * t + h) / h
        env = 0.5 + 0.5 * math.sin(2 * math.pi * 3.0 * t)
        out.append(0.2 * env * v + 0.02 * noise)
    return torch.tensor(out, dtype=torch.float32)

model = CAMPPlus(feat_dim=80, embedding_size=192)
sd = torch.load(sys.argv[1], map_location='cpu')
model.load_state_dict(sd)
model.eval()
res = {}
for name, n, seed in [('short', 24000, 1), ('long', 64000, 2)]:
    wav = signal(n, seed)
    feat = kaldi.fbank(wav.unsqueeze(0), num_mel_bins=80, sample_frequency=16000, dither=0)
    feat = feat - feat.mean(0, keepdim=True)
    with torch.no_grad():
        emb = model(feat.unsqueeze(0))[0]
    res[name] = {'samples': n, 'seed': seed, 'fbank_frame0': feat[0, :8].tolist(), 'fbank_frames': feat.shape[0], 'embedding': emb.tolist()}
    print(name, feat.shape, emb[:4])
json.dump(res, open(sys.argv[2], 'w'))
