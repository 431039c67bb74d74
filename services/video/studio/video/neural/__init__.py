"""The neural lip-sync seam: Wav2Lip-class networks (face crop + mel window -> lower face)."""
